"""Sending mail: the outbox (durable, in the store), SMTP submission, filing in Sent, and drafts."""
