"""Failed sign-ins, counted per account and per IP address; too many lock them for a while."""
