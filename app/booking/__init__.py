"""Booking: the centres of the "1+N" network, their services, sessions and bookings."""
