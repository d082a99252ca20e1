"""Built-in rule pack (TOML data files); installed as the package scanner.builtin_rules."""
