// name: analysis/person_projection
// purpose: Person-person projection of a community's affiliation network, weighted by shared bodies.
// param: community: string - the community (id)
// returns: person_a, person_b, shared
// rule: the community's affiliation network is bipartite: people and the bodies they
//   hold a post in (MEMBER_OF, INSTRUCTOR_OF or QUALITY_SUPERVISOR_OF). Its bodies: the
//   community itself, its residents' and regional party committees and the party
//   organisations it hosts or co-hosts (PARTY_ORG_OF, CO_HOSTED_BY); the owners'
//   committees of its estates; the projects that serve its estates and the companies
//   and offices that OPERATE or RUN them; and the party organisations hosted or
//   co-hosted by any of these. A body's kind comes from its label: party (PartyOrg,
//   RegionalPartyCommittee), residents (ResidentsCommittee), community (Community),
//   owners (OwnersCommittee), company (PropertyCompany, Project, Office).
//   One row per pair of people (person_a < person_b) who share at least one body;
//   shared = how many bodies they share.
MATCH (c:Community {id: $community})
OPTIONAL MATCH (c)<-[:IN_COMMUNITY]-(:Estate)<-[:COMMITTEE_OF|SERVES]-(h1)
OPTIONAL MATCH (h1)<-[:OPERATES|RUNS]-(f1)
WITH c, collect(DISTINCT h1) AS estate_bodies, collect(DISTINCT f1) AS companies
OPTIONAL MATCH (c)<-[:COMMITTEE_OF|PARTY_ORG_OF|CO_HOSTED_BY]-(h2)
WITH c, estate_bodies, companies, collect(DISTINCT h2) AS community_bodies
WITH [c] + estate_bodies + companies + community_bodies AS hosts
UNWIND hosts AS h3
OPTIONAL MATCH (h3)<-[:PARTY_ORG_OF|CO_HOSTED_BY]-(g3:PartyOrg)
WITH collect(DISTINCT h3) AS host_list, collect(DISTINCT g3) AS org_list
UNWIND host_list + org_list AS b0
WITH DISTINCT b0 AS b
WITH b, CASE WHEN b:PartyOrg OR b:RegionalPartyCommittee THEN 'party'
          WHEN b:ResidentsCommittee THEN 'residents' WHEN b:Community THEN 'community'
          WHEN b:OwnersCommittee THEN 'owners' ELSE 'company' END AS kind
MATCH (b)<-[:MEMBER_OF|INSTRUCTOR_OF|QUALITY_SUPERVISOR_OF]-(p:Person)
WITH DISTINCT p, b, kind
WITH b, collect(p.id) AS members
UNWIND members AS pa
UNWIND members AS pb
WITH pa, pb
WHERE pa < pb
RETURN pa AS person_a, pb AS person_b, count(*) AS shared
ORDER BY person_a, person_b
