// name: analysis/brokers
// purpose: The top brokers of a community: people whose posts span the most kinds of body.
// param: community: string - the community (id)
// param: min_kinds: int = 2 - only people with posts in at least this many kinds of body
// param: limit: int = 10 - at most this many people
// returns: person, name, party_member, kinds, spans, bodies, co_members
// rule: the community's affiliation network is bipartite: people and the bodies they
//   hold a post in (MEMBER_OF, INSTRUCTOR_OF or QUALITY_SUPERVISOR_OF). Its bodies: the
//   community itself, its residents' and regional party committees and the party
//   organisations it hosts or co-hosts (PARTY_ORG_OF, CO_HOSTED_BY); the owners'
//   committees of its estates; the projects that serve its estates and the companies
//   and offices that OPERATE or RUN them; and the party organisations hosted or
//   co-hosted by any of these. A body's kind comes from its label: party (PartyOrg,
//   RegionalPartyCommittee), residents (ResidentsCommittee), community (Community),
//   owners (OwnersCommittee), company (PropertyCompany, Project, Office).
//   kinds: how many of party, residents, community, owners, company the person's posts
//   span (two or more: the person is cross-appointed); spans: those kinds joined by '+'
//   in that order; bodies: the person's bodies; co_members: the other people
//   who share a body with the person (degree in the person projection). Ranked by
//   kinds, co_members, bodies (most first), then person id.
:param min_kinds => 2;
:param limit => 10;
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
OPTIONAL MATCH (b)<-[:MEMBER_OF|INSTRUCTOR_OF|QUALITY_SUPERVISOR_OF]-(q:Person)
  WHERE q.id <> p.id
WITH p, count(DISTINCT b.id) AS bodies, collect(DISTINCT kind) AS kind_list,
     count(DISTINCT q.id) AS co_members
WITH p, bodies, co_members, size(kind_list) AS kinds,
     CASE WHEN 'party' IN kind_list THEN '+party' ELSE '' END
       + CASE WHEN 'residents' IN kind_list THEN '+residents' ELSE '' END
       + CASE WHEN 'community' IN kind_list THEN '+community' ELSE '' END
       + CASE WHEN 'owners' IN kind_list THEN '+owners' ELSE '' END
       + CASE WHEN 'company' IN kind_list THEN '+company' ELSE '' END AS joined
WHERE kinds >= $min_kinds
RETURN p.id AS person, p.name AS name, p.party_member AS party_member, kinds,
       substring(joined, 1, size(joined) - 1) AS spans, bodies, co_members
ORDER BY kinds DESC, co_members DESC, bodies DESC, person
LIMIT $limit
