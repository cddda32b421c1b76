"""Op families. Importing this package registers every op and its public functions."""
