"""In-app notifications (the bell in the navbar) and the e-mails that go with them."""
