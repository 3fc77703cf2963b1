"""Browser sessions: a random token in an HttpOnly cookie, its digest and expiry stored."""
