// name: coverage/graph/estate
// purpose: Subgraph of coverage/estate for Neo4j Browser: estates, their bodies, cross-appointed posts.
// param: district: string = null - only estates in this district (id)
// param: street: string = null - only estates in this street (id)
// param: community: string = null - only estates in this community (id)
// param: estate: string = null - only this estate (id)
// param: limit: int = 3 - at most this many estates (the smallest ids)
// returns: source, type, target, path
// rule: for each estate (at most limit), the bodies of its general cross-appointment
//   (coverage/estate) and the posts that make it: its IN_COMMUNITY; its own bodies, the
//   owners' committees (COMMITTEE_OF) and projects (SERVES) of the estate, the companies
//   and offices that OPERATE or RUN those projects and the PARTY_ORG_OF or CO_HOSTED_BY
//   of the party organisations of any of these; its community's bodies, the COMMITTEE_OF,
//   PARTY_ORG_OF and CO_HOSTED_BY into the community and the PARTY_ORG_OF or
//   CO_HOSTED_BY into those; and for every cross_appointed person (a post in one of the
//   estate's own bodies, posts in the two sets spanning two or more kinds) each post
//   (MEMBER_OF, INSTRUCTOR_OF, QUALITY_SUPERVISOR_OF) in a body of the two sets. So the
//   secretary-instructor, the quality supervisor, the company head on the regional
//   party committee and the community member on the owners' committee show as people
//   tying the company, the committees and the community's party organisation together.
//   One row per relationship: its start id, type and end id, and path, the relationship
//   as a one-hop path for Neo4j Browser's graph view.
:param district => null;
:param street => null;
:param community => null;
:param estate => null;
:param limit => 3;
MATCH (c:Community)-[:IN_STREET]->(s:Street)-[:IN_DISTRICT]->(d:District)
WHERE ($district IS NULL OR d.id = $district)
  AND ($street IS NULL OR s.id = $street)
  AND ($community IS NULL OR c.id = $community)
MATCH (c)<-[r1:IN_COMMUNITY]-(e:Estate)
WHERE ($estate IS NULL OR e.id = $estate)
WITH c, e, r1
ORDER BY e.id
LIMIT $limit
OPTIONAL MATCH (e)<-[r2:COMMITTEE_OF|SERVES]-(h2)
OPTIONAL MATCH (h2)<-[r3:OPERATES|RUNS]-(h3)
WITH c, e, r1, collect(r2) AS rels2, collect(r3) AS rels3, collect(DISTINCT h2) AS hosts2,
     collect(DISTINCT h3) AS hosts3
WITH c, e, [r1] + rels2 + rels3 AS rels13, hosts2 + hosts3 AS hosts
UNWIND CASE WHEN size(hosts) = 0 THEN [null] ELSE hosts END AS h4
OPTIONAL MATCH (h4)<-[r4:PARTY_ORG_OF|CO_HOSTED_BY]-(g4:PartyOrg)
WITH c, e, rels13, collect(r4) AS rels4, collect(DISTINCT h4) AS hosts4,
     collect(DISTINCT g4) AS orgs4
WITH c, e, rels13 + rels4 AS estate_rels, hosts4 + orgs4 AS own
OPTIONAL MATCH (c)<-[r5:COMMITTEE_OF|PARTY_ORG_OF|CO_HOSTED_BY]-(b5)
WITH c, e, estate_rels, own, collect(r5) AS rels5, collect(DISTINCT b5) AS bodies5
UNWIND [c] + bodies5 AS b6
OPTIONAL MATCH (b6)<-[r6:PARTY_ORG_OF|CO_HOSTED_BY]-(g6:PartyOrg)
WITH e, estate_rels, own, rels5, collect(r6) AS rels6, collect(DISTINCT b6) AS bodies6,
     collect(DISTINCT g6) AS orgs6
WITH e, estate_rels + rels5 + rels6 AS structure, own,
     [x IN own + bodies6 + orgs6 | x.id] AS bodies
UNWIND CASE WHEN size(own) = 0 THEN [null] ELSE own END AS b7
OPTIONAL MATCH (b7)<-[:MEMBER_OF|INSTRUCTOR_OF|QUALITY_SUPERVISOR_OF]-(p7:Person)
WITH e, structure, bodies, collect(DISTINCT p7) AS people
UNWIND CASE WHEN size(people) = 0 THEN [null] ELSE people END AS p8
OPTIONAL MATCH (p8)-[r8:MEMBER_OF|INSTRUCTOR_OF|QUALITY_SUPERVISOR_OF]->(b8)
WHERE b8.id IN bodies
WITH e, structure, p8, collect(r8) AS posts,
     collect(DISTINCT CASE WHEN b8 IS NULL THEN null
               WHEN b8:PartyOrg OR b8:RegionalPartyCommittee THEN 'party'
               WHEN b8:ResidentsCommittee THEN 'residents' WHEN b8:Community THEN 'community'
               WHEN b8:OwnersCommittee THEN 'owners' ELSE 'company' END) AS kinds
WITH e, structure, CASE WHEN size(kinds) >= 2 THEN posts ELSE [] END AS cross_posts
WITH e, structure, collect(cross_posts) AS post_lists
WITH structure + reduce(t = [], x IN post_lists | t + x) AS rels
UNWIND rels AS r9
WITH DISTINCT r9 AS r
WITH r, startNode(r) AS a, endNode(r) AS b
MATCH p = (a)-[r0]->(b)
WHERE r0 = r
RETURN a.id AS source, type(r) AS type, b.id AS target, p AS path
ORDER BY source, type, target
