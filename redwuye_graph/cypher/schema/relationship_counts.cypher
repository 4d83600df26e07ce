// name: schema/relationship_counts
// purpose: Number of relationships per type (types with none are left out).
// returns: type, relationships
MATCH ()-[r]->()
RETURN type(r) AS type, count(*) AS relationships
ORDER BY type
