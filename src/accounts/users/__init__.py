"""People who sign in: email, password (argon2) and a role in each workspace they belong to."""
