"""The engagement score: each engagement event is worth its weight, halved for every `HALF_LIFE`
of age, so recent interest counts more than old interest (`repository.refresh_engagement`)."""

from __future__ import annotations

from datetime import timedelta

HALF_LIFE = timedelta(days=30)
WEIGHTS = {"email_opened": 1.0, "email_clicked": 3.0, "form_submitted": 10.0}
