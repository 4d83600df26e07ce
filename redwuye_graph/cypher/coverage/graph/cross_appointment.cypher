// name: coverage/graph/cross_appointment
// purpose: Subgraph of coverage/cross_appointment for Neo4j Browser: a community's bodies and posts.
// param: community: string = null - only this community (id)
// param: limit: int = 1 - at most this many communities (the smallest ids)
// returns: source, type, target, path
// rule: for each community (at most limit), the bodies of its affiliation network
//   (coverage/cross_appointment) and the posts of its cross-appointed people: the
//   IN_COMMUNITY of its estates; the COMMITTEE_OF and SERVES into them and the OPERATES
//   or RUNS into those projects; the COMMITTEE_OF, PARTY_ORG_OF and CO_HOSTED_BY into
//   the community; the PARTY_ORG_OF or CO_HOSTED_BY into any of these bodies; and for
//   every cross_appointed person (posts in the network's bodies of two or more kinds)
//   each post (MEMBER_OF, INSTRUCTOR_OF, QUALITY_SUPERVISOR_OF) in one of them. One row
//   per relationship: its start id, type and end id, and path, the relationship as a
//   one-hop path for Neo4j Browser's graph view.
:param community => null;
:param limit => 1;
MATCH (c:Community)
WHERE ($community IS NULL OR c.id = $community)
WITH c
ORDER BY c.id
LIMIT $limit
OPTIONAL MATCH (c)<-[r1:IN_COMMUNITY]-(e1:Estate)
OPTIONAL MATCH (e1)<-[r2:COMMITTEE_OF|SERVES]-(h2)
OPTIONAL MATCH (h2)<-[r3:OPERATES|RUNS]-(h3)
WITH c, collect(r1) AS rels1, collect(r2) AS rels2, collect(r3) AS rels3,
     collect(DISTINCT h2) AS hosts2, collect(DISTINCT h3) AS hosts3
WITH c, rels1 + rels2 + rels3 AS rels13, hosts2 + hosts3 AS estate_hosts
OPTIONAL MATCH (c)<-[r5:COMMITTEE_OF|PARTY_ORG_OF|CO_HOSTED_BY]-(b5)
WITH c, rels13, estate_hosts, collect(r5) AS rels5, collect(DISTINCT b5) AS bodies5
WITH c, rels13 + rels5 AS rels15, [c] + estate_hosts + bodies5 AS hosts
UNWIND hosts AS h6
OPTIONAL MATCH (h6)<-[r6:PARTY_ORG_OF|CO_HOSTED_BY]-(g6:PartyOrg)
WITH c, rels15, collect(r6) AS rels6, collect(DISTINCT h6) AS hosts6,
     collect(DISTINCT g6) AS orgs6
WITH c, rels15 + rels6 AS structure, hosts6 + orgs6 AS network
WITH c, structure, network, [x IN network | x.id] AS bodies
UNWIND network AS b7
OPTIONAL MATCH (b7)<-[:MEMBER_OF|INSTRUCTOR_OF|QUALITY_SUPERVISOR_OF]-(p7:Person)
WITH c, structure, bodies, collect(DISTINCT p7) AS people
UNWIND CASE WHEN size(people) = 0 THEN [null] ELSE people END AS p8
OPTIONAL MATCH (p8)-[r8:MEMBER_OF|INSTRUCTOR_OF|QUALITY_SUPERVISOR_OF]->(b8)
WHERE b8.id IN bodies
WITH c, structure, p8, collect(r8) AS posts,
     collect(DISTINCT CASE WHEN b8 IS NULL THEN null
               WHEN b8:PartyOrg OR b8:RegionalPartyCommittee THEN 'party'
               WHEN b8:ResidentsCommittee THEN 'residents' WHEN b8:Community THEN 'community'
               WHEN b8:OwnersCommittee THEN 'owners' ELSE 'company' END) AS kinds
WITH c, structure, CASE WHEN size(kinds) >= 2 THEN posts ELSE [] END AS cross_posts
WITH c, structure, collect(cross_posts) AS post_lists
WITH structure + reduce(t = [], x IN post_lists | t + x) AS rels
UNWIND rels AS r9
WITH DISTINCT r9 AS r
WITH r, startNode(r) AS a, endNode(r) AS b
MATCH p = (a)-[r0]->(b)
WHERE r0 = r
RETURN a.id AS source, type(r) AS type, b.id AS target, p AS path
ORDER BY source, type, target
