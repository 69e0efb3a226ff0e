"""Customers (客户): the model and its service, used by work orders, itineraries, imports and the admin pages."""
