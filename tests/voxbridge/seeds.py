"""The docs' examples, verbatim (voxbridge.cc/docs/calls and /docs/webhooks)."""

REQUEST = """{ "to": "+15551234567", "from": "+15559876543", "agent_id": null, "client_name": "Jane Doe",
  "context": { "reference_number": "398690", "product": "personal_loan" },
  "metadata": { "crm_id": "lead_8821" }, "schedule_at": null,
  "webhook_url": "https://partner.example/hooks/voice", "max_attempts": 3 }"""

RESPONSE = """{ "id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "agent_id": "...", "direction": "outbound",
  "status": "queued", "to_number": "+15551234567", "from_number": null, "client_name": "Jane Doe",
  "context": { "reference_number": "398690" }, "metadata": { "crm_id": "lead_8821" },
  "disposition": null, "transcript": null, "recording_url": null, "structured_answers": null,
  "attempt_count": 0, "max_attempts": 3, "duration_seconds": null,
  "scheduled_at": "2026-06-01T14:00:00Z", "started_at": null, "completed_at": null,
  "created_at": "2026-06-01T14:00:01Z" }"""

QUEUED_EVENT = """{ "event": "call.queued", "org_id": "550e8400-e29b-41d4-a716-446655440000",
    "call_id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "timestamp": "2026-06-01T14:30:00.123456+00:00",
    "to": "+15551234567", "status": "queued", "metadata": { "source": "crm" } }"""
