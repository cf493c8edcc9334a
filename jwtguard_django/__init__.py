"""Django and Django REST framework integration for jwtguard."""
