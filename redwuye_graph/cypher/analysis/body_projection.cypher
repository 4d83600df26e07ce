// name: analysis/body_projection
// purpose: Body-body projection of a community's affiliation network, weighted by shared people.
// param: community: string - the community (id)
// returns: body_a, kind_a, body_b, kind_b, shared
// rule: the community's affiliation network is bipartite: people and the bodies they
//   hold a post in (MEMBER_OF, INSTRUCTOR_OF or QUALITY_SUPERVISOR_OF). Its bodies: the
//   community's residents' and regional party committees and party organisations (kind
//   community); the owners' committees of its estates (kind owners); the projects that
//   serve its estates and the companies operating them (kind company); and the party
//   organisations hosted by any of these (the kind of their host).
//   One row per pair of bodies (body_a < body_b) with at least one person in common
//   (an interlock); shared = how many people they have in common.
MATCH (c:Community {id: $community})
OPTIONAL MATCH (c)<-[:IN_COMMUNITY]-(:Estate)<-[:COMMITTEE_OF|SERVES]-(h1)
OPTIONAL MATCH (h1)<-[:OPERATES]-(f1:PropertyCompany)
WITH c, collect(DISTINCT h1) AS estate_bodies, collect(DISTINCT f1) AS companies
OPTIONAL MATCH (c)<-[:COMMITTEE_OF|PARTY_ORG_OF]-(h2)
WITH estate_bodies, companies, collect(DISTINCT h2) AS community_bodies
WITH estate_bodies + companies + community_bodies AS hosts
UNWIND hosts AS h3
OPTIONAL MATCH (h3)<-[:PARTY_ORG_OF]-(g3:PartyOrg)
WITH collect(DISTINCT h3) AS host_list, collect(DISTINCT g3) AS org_list
UNWIND host_list + org_list AS b
OPTIONAL MATCH (b)-[:PARTY_ORG_OF]->(bh)
WITH b, CASE WHEN bh IS NULL THEN labels(b)[0] ELSE labels(bh)[0] END AS base
WITH b, CASE WHEN base IN ['Community', 'ResidentsCommittee', 'RegionalPartyCommittee']
          THEN 'community' WHEN base = 'OwnersCommittee' THEN 'owners'
          ELSE 'company' END AS kind
MATCH (b)<-[:MEMBER_OF|INSTRUCTOR_OF|QUALITY_SUPERVISOR_OF]-(p:Person)
WITH DISTINCT p, b, kind
WITH p, collect([b.id, kind]) AS posts
UNWIND posts AS x
UNWIND posts AS y
WITH x, y
WHERE x[0] < y[0]
RETURN x[0] AS body_a, x[1] AS kind_a, y[0] AS body_b, y[1] AS kind_b, count(*) AS shared
ORDER BY body_a, body_b
