"""Command-line subcommands; each module has `run(args) -> exit status`. No Qt."""
