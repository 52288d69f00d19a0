"""Webhook delivery: signing, the retry policy, the HTTP transport, the dispatcher."""
