"""One router per resource; each is thin: parse, call a service, answer."""
