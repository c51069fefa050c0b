"""Whole lots: the final whole-share quantities nearest the targets that the cash pays for.

`sizing` is the step (`allocate_whole`); `search` is the exact branch and bound of a small
account; `exchanges` and `knapsack` are the large account's greedy fill and its second
chance at the edge of the cash; `lots` and `items` connect the step to the planner's rows.
"""
