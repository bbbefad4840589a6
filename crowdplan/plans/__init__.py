"""Plans on maps: types, versions frozen at publication, layers, documents, the notice window."""
