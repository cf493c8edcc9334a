"""Flask integration for jwtguard."""
