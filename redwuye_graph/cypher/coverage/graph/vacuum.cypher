// name: coverage/graph/vacuum
// purpose: Subgraph of coverage/vacuum for Neo4j Browser: vacuum estates, their projects, holders.
// param: district: string = null - only estates in this district (id)
// param: limit: int = 25 - at most this many vacuum estates (the smallest ids)
// returns: source, type, target, path
// rule: the estates of coverage/vacuum (no project that SERVES them has an operating
//   company), at most limit of them; for each its IN_COMMUNITY, the SERVES of its
//   projects (none with an operator) and the INTERIM_MANAGES of the streets or
//   communities holding it. One row per relationship: its start id, type and end id,
//   and path, the relationship as a one-hop path, which Neo4j Browser's graph view draws.
:param district => null;
:param limit => 25;
MATCH (c:Community)-[:IN_STREET]->(s:Street)-[:IN_DISTRICT]->(d:District)
WHERE ($district IS NULL OR d.id = $district)
MATCH (c)<-[:IN_COMMUNITY]-(e:Estate)
OPTIONAL MATCH (e)<-[:SERVES]-(:Project)<-[:OPERATES]-(f:PropertyCompany)
WITH e, count(f) AS operators
WHERE operators = 0
WITH e
ORDER BY e.id
LIMIT $limit
MATCH (e)-[r1:IN_COMMUNITY]->(:Community)
OPTIONAL MATCH (e)<-[r2:SERVES|INTERIM_MANAGES]-()
WITH r1, collect(r2) AS rels2
UNWIND [r1] + rels2 AS r3
WITH DISTINCT r3 AS r
WITH r, startNode(r) AS a, endNode(r) AS b
MATCH p = (a)-[r0]->(b)
WHERE r0 = r
RETURN a.id AS source, type(r) AS type, b.id AS target, p AS path
ORDER BY source, type, target
