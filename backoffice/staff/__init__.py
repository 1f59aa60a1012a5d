"""Staff users, their roles and their sign-in."""
