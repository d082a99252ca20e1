"""Sources turn scan targets into chunks; they never decide what is a secret."""
