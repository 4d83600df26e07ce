// name: coverage/graph/companies
// purpose: Subgraph of coverage/companies for Neo4j Browser: companies, party organisations, projects.
// param: company: string = null - only this company (id)
// param: limit: int = 10 - at most this many companies (the smallest ids)
// returns: source, type, target, path
// rule: for each company (at most limit): the PARTY_ORG_OF, CO_HOSTED_BY, LEADS and
//   INSTRUCTOR_OF into it and the OFFICE_OF of its offices, with the LEADS into those
//   offices; the projects it OPERATES, their INSTRUCTOR_OF and their SERVES to estates
//   (what coverage/companies counts). One row per relationship: its start id, type and
//   end id, and path, the relationship as a one-hop path for Neo4j Browser's graph view.
:param company => null;
:param limit => 10;
MATCH (f:PropertyCompany)
WHERE ($company IS NULL OR f.id = $company)
WITH f
ORDER BY f.id
LIMIT $limit
OPTIONAL MATCH (f)<-[r1:PARTY_ORG_OF|CO_HOSTED_BY|LEADS|INSTRUCTOR_OF|OFFICE_OF]-(x1)
OPTIONAL MATCH (x1)<-[r2:LEADS]-(:PartyOrg)
WHERE x1:Office
WITH f, collect(r1) AS rels1, collect(r2) AS rels2
OPTIONAL MATCH (f)-[r3:OPERATES]->(j:Project)
OPTIONAL MATCH (j)<-[r4:INSTRUCTOR_OF]-(:Person)
WITH f, rels1, rels2, j, r3, collect(r4) AS rels4
OPTIONAL MATCH (j)-[r5:SERVES]->(:Estate)
WITH rels1, rels2, r3, rels4, collect(r5) AS rels5
WITH rels1 + rels2 + [r3] + rels4 + rels5 AS rels
UNWIND rels AS r6
WITH DISTINCT r6 AS r
WHERE r IS NOT NULL
WITH r, startNode(r) AS a, endNode(r) AS b
MATCH p = (a)-[r0]->(b)
WHERE r0 = r
RETURN a.id AS source, type(r) AS type, b.id AS target, p AS path
ORDER BY source, type, target
