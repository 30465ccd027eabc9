"""The ahs-routing command line: `main` registers one module per subcommand; `common` holds what they share."""
