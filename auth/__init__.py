"""Who the caller is and what they may touch: passwords, tokens, roles and scope."""
