"""One module per sub-command: its `run(options, terminal) -> ExitCode` and its `COMMAND`."""
