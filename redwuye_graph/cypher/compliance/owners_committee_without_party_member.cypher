// name: compliance/owners_committee_without_party_member
// purpose: Owners' committees with no party member among their members.
// param: unrecorded: boolean = false - false: the breaches (the roster shows the rule
//   broken); true: the cases the roster does not record enough to decide (a partial
//   body missing the link, or an empty value the rule needs)
// returns: rule, label, subject, name, community, detail
// rule: owners-committee-without-party-member: no Person with party_member = true is
//   MEMBER_OF the owners' committee (the community must safeguard the party share). Not
//   recorded instead: a member's party_member is empty, or the committee is partial.
:param unrecorded => false;
MATCH (o:OwnersCommittee)-[:COMMITTEE_OF]->(e:Estate)-[:IN_COMMUNITY]->(c:Community)
OPTIONAL MATCH (o)<-[:MEMBER_OF]-(p:Person)
WITH o, e, c, count(p) AS seats, count(CASE WHEN p.party_member THEN 1 END) AS party,
     count(CASE WHEN p IS NOT NULL AND p.party_member IS NULL THEN 1 END) AS unknown
WHERE party = 0 AND (unknown > 0 OR coalesce(o.partial, false)) = $unrecorded
RETURN 'owners-committee-without-party-member' AS rule, 'OwnersCommittee' AS label,
       o.id AS subject, o.name AS name, c.id AS community,
       'estate ' + e.id + ': ' + toString(seats) + ' members, none '
         + CASE WHEN $unrecorded THEN 'recorded as a party member' ELSE 'a party member' END
         AS detail
ORDER BY subject, detail
