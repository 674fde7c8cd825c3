"""Accounts: notary offices and Département staff, sign-in and sessions."""
