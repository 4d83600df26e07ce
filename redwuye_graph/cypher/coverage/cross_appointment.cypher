// name: coverage/cross_appointment
// purpose: Per community: the people holding posts in its bodies and how many are cross-appointed.
// returns: community, name, people, cross_appointed, cross_appointed_share
// rule: a community's bodies and their kinds are those of its affiliation network (see
//   analysis/brokers): the community, its residents' and regional party committees and
//   the party organisations it hosts or co-hosts; its estates' owners' committees; the
//   projects serving its estates and the companies and offices that OPERATE or RUN
//   them; party organisations hosted or co-hosted by any of these. people: persons with
//   a post (MEMBER_OF, INSTRUCTOR_OF, QUALITY_SUPERVISOR_OF) in one of them;
//   cross_appointed: those whose posts span two or more kinds (party, residents,
//   community, owners, company), the general 双向进入、交叉任职 of which the policy posts
//   of coverage/estate are typed subsets; cross_appointed_share = cross_appointed /
//   people, rounded half up to 4 decimals, null when nobody holds a post.
MATCH (c:Community)
OPTIONAL MATCH (c)<-[:IN_COMMUNITY]-(:Estate)<-[:COMMITTEE_OF|SERVES]-(h1)
OPTIONAL MATCH (h1)<-[:OPERATES|RUNS]-(f1)
WITH c, collect(DISTINCT h1) AS estate_bodies, collect(DISTINCT f1) AS companies
OPTIONAL MATCH (c)<-[:COMMITTEE_OF|PARTY_ORG_OF|CO_HOSTED_BY]-(h2)
WITH c, estate_bodies, companies, collect(DISTINCT h2) AS community_bodies
WITH c, [c] + estate_bodies + companies + community_bodies AS hosts
UNWIND hosts AS h3
OPTIONAL MATCH (h3)<-[:PARTY_ORG_OF|CO_HOSTED_BY]-(g3:PartyOrg)
WITH c, collect(DISTINCT h3) AS host_list, collect(DISTINCT g3) AS org_list
UNWIND host_list + org_list AS b0
WITH DISTINCT c, b0 AS b
WITH c, b, CASE WHEN b:PartyOrg OR b:RegionalPartyCommittee THEN 'party'
             WHEN b:ResidentsCommittee THEN 'residents' WHEN b:Community THEN 'community'
             WHEN b:OwnersCommittee THEN 'owners' ELSE 'company' END AS kind
OPTIONAL MATCH (b)<-[:MEMBER_OF|INSTRUCTOR_OF|QUALITY_SUPERVISOR_OF]-(p:Person)
WITH c, p, collect(DISTINCT kind) AS kinds
WITH c, count(p) AS people,
     count(CASE WHEN p IS NOT NULL AND size(kinds) >= 2 THEN 1 END) AS cross_appointed
RETURN c.id AS community, c.name AS name, people, cross_appointed,
       CASE WHEN people = 0 THEN null
         ELSE round(10000.0 * cross_appointed / people) / 10000 END AS cross_appointed_share
ORDER BY community
