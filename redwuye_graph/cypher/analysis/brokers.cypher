// name: analysis/brokers
// purpose: The top brokers of a community: people whose posts span the most kinds of body.
// param: community: string - the community (id)
// param: min_kinds: int = 2 - only people with posts in at least this many kinds of body
// param: limit: int = 10 - at most this many people
// returns: person, name, party_member, kinds, spans, bodies, co_members
// rule: the community's affiliation network is bipartite: people and the bodies they
//   hold a post in (MEMBER_OF, INSTRUCTOR_OF or QUALITY_SUPERVISOR_OF). Its bodies: the
//   community's residents' and regional party committees and party organisations (kind
//   community); the owners' committees of its estates (kind owners); the projects that
//   serve its estates and the companies operating them (kind company); and the party
//   organisations hosted by any of these (the kind of their host).
//   kinds: how many of community, owners, company the person's posts span; spans:
//   those kinds joined by '+'; bodies: the person's bodies; co_members: the other people
//   who share a body with the person (degree in the person projection). Ranked by
//   kinds, co_members, bodies (most first), then person id.
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
OPTIONAL MATCH (b)<-[:MEMBER_OF|INSTRUCTOR_OF|QUALITY_SUPERVISOR_OF]-(q:Person)
  WHERE q.id <> p.id
WITH p, count(DISTINCT b.id) AS bodies, collect(DISTINCT kind) AS kind_list,
     count(DISTINCT q.id) AS co_members
WITH p, bodies, co_members, size(kind_list) AS kinds,
     CASE WHEN 'community' IN kind_list THEN '+community' ELSE '' END
       + CASE WHEN 'owners' IN kind_list THEN '+owners' ELSE '' END
       + CASE WHEN 'company' IN kind_list THEN '+company' ELSE '' END AS joined
WHERE kinds >= $min_kinds
RETURN p.id AS person, p.name AS name, p.party_member AS party_member, kinds,
       substring(joined, 1, size(joined) - 1) AS spans, bodies, co_members
ORDER BY kinds DESC, co_members DESC, bodies DESC, person
LIMIT $limit
