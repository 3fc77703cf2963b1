"""Reference data the contact fields are checked and normalized against: countries, job titles."""
