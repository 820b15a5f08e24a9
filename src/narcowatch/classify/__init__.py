"""Classifiers: does this text sell drugs, how sure are we, and why."""
