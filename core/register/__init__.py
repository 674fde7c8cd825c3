"""The Département's social-aid register: people, their aids, and the imports that load them."""
