"""One module per command; each has `run(options, terminal) -> ExitCode`."""
