"""The records: what goes into a plan and what comes out, as frozen values.

The inputs (`Allocation`, `Snapshot`, `Asset`, `SizingPolicy`, `CostModel`), the output
(`RebalancePlan` of `PlanItem` rows), the errors (`PortfolioError`), and the exact money
they are written in. Import the public names from `portfolio`.
"""
