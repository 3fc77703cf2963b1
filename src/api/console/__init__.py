"""The web console at `/app`: server-rendered pages (jinja2) over the same services as the REST
API, for people signed in with a session cookie."""
