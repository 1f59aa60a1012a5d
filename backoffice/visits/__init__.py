"""Video visits: contacts, call endpoints, session templates, slots, bookings and join tokens."""
