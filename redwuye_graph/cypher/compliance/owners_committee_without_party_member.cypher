// name: compliance/owners_committee_without_party_member
// purpose: Owners' committees with no party member among their members.
// returns: rule, label, subject, name, community, detail
// rule: owners-committee-without-party-member: no Person with party_member = true is
//   MEMBER_OF the owners' committee (the community must safeguard the party share).
MATCH (o:OwnersCommittee)-[:COMMITTEE_OF]->(e:Estate)-[:IN_COMMUNITY]->(c:Community)
OPTIONAL MATCH (o)<-[:MEMBER_OF]-(p:Person)
WITH o, e, c, count(p) AS seats, count(CASE WHEN p.party_member THEN 1 END) AS party
WHERE party = 0
RETURN 'owners-committee-without-party-member' AS rule, 'OwnersCommittee' AS label,
       o.id AS subject, o.name AS name, c.id AS community,
       'estate ' + e.id + ': ' + toString(seats) + ' members, none a party member' AS detail
ORDER BY subject, detail
