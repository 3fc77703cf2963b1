"""Events: what happened to a contact (stored on its timeline) and the engagement they add up to."""
