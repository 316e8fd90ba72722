"""Statistical disclosure control: what may leave the Secretariat."""
