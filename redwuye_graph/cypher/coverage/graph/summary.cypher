// name: coverage/graph/summary
// purpose: Subgraph of coverage/summary for Neo4j Browser: the areas it rolls up, down to estates.
// param: district: string = null - only communities in this district (id)
// param: limit: int = 5 - at most this many communities (the smallest ids)
// returns: source, type, target, path
// rule: for each community (at most limit): its IN_STREET, its street's IN_DISTRICT and
//   the IN_COMMUNITY of its estates: the areas whose estates coverage/summary counts.
//   One row per relationship: its start id, type and end id, and path, the relationship
//   as a one-hop path for Neo4j Browser's graph view.
:param district => null;
:param limit => 5;
MATCH (c:Community)-[:IN_STREET]->(s:Street)-[:IN_DISTRICT]->(d:District)
WHERE ($district IS NULL OR d.id = $district)
WITH c
ORDER BY c.id
LIMIT $limit
MATCH (c)-[r1:IN_STREET]->(:Street)-[r2:IN_DISTRICT]->(:District)
OPTIONAL MATCH (c)<-[r3:IN_COMMUNITY]-(:Estate)
WITH r1, r2, collect(r3) AS rels3
UNWIND [r1, r2] + rels3 AS r4
WITH DISTINCT r4 AS r
WITH r, startNode(r) AS a, endNode(r) AS b
MATCH p = (a)-[r0]->(b)
WHERE r0 = r
RETURN a.id AS source, type(r) AS type, b.id AS target, p AS path
ORDER BY source, type, target
