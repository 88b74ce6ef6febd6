"""Encryption, passwords and access control: the pieces every package relies on."""
