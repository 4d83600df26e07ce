// name: coverage/estate
// purpose: One row per estate: where it lies, who serves it, and each cross-appointment link.
// param: district: string = null - only estates in this district (id)
// param: street: string = null - only estates in this street (id)
// param: community: string = null - only estates in this community (id)
// returns: estate, name, community, street, district, households, project, company,
//   owners_committee, owners_committee_size, owners_committee_party_members,
//   service_facilities, people, cross_appointed, has_company, company_party_org,
//   company_instructor, secretary_instructor, quality_supervisor, head_on_regional_committee,
//   company_party_led, service_station, has_owners_committee,
//   community_member_on_owners_committee, owners_on_regional_committee, interim_managed,
//   tripartite
// rule: the definitions of redwuye_graph/linkage.py. The community party organisation is
//   the highest-level PartyOrg the community hosts (leading_group, committee,
//   general_branch, branch, group; then the smallest id). The serving project is the
//   smallest-id project serving the estate that has an operator (else the smallest-id
//   project, and has_company is false: a vacuum); its company the smallest-id operator.
//   Every owners' committee of the estate counts (owners_committee names the smallest
//   id; size and party members are seats over all of them). Residents' and regional
//   party committee: the smallest id. Two-committee members are the members of the
//   community party organisation or residents' committee. tripartite = has_company AND
//   has_owners_committee AND community_member_on_owners_committee AND
//   (secretary_instructor OR quality_supervisor OR head_on_regional_committee).
//   company_party_led: a PartyOrg LEADS the serving company or an Office of it.
//   service_facilities: ServiceFacility nodes FACILITY_OF the estate, the serving
//   project, an Office that RUNS it or the serving company; service_station: one of them
//   is a party_service_station or party_service_centre. General cross-appointment: the
//   estate's own bodies are its owners' committees, the projects serving it, the
//   companies and offices that OPERATE or RUN them and the party organisations hosted or
//   co-hosted by any of these; its community's bodies are the community, its committees
//   and the party organisations it hosts or co-hosts. people: persons with a post
//   (MEMBER_OF, INSTRUCTOR_OF, QUALITY_SUPERVISOR_OF) in one of the estate's own bodies;
//   cross_appointed: those whose posts in the two sets span two or more kinds.
:param district => null;
:param street => null;
:param community => null;
MATCH (c:Community)-[:IN_STREET]->(s:Street)-[:IN_DISTRICT]->(d:District)
WHERE ($district IS NULL OR d.id = $district)
  AND ($street IS NULL OR s.id = $street)
  AND ($community IS NULL OR c.id = $community)
OPTIONAL MATCH (c)<-[:PARTY_ORG_OF|COMMITTEE_OF]-(b0)
WITH c,
     min(CASE WHEN b0:PartyOrg THEN CASE b0.level WHEN 'leading_group' THEN '1'
           WHEN 'committee' THEN '2' WHEN 'general_branch' THEN '3' WHEN 'branch' THEN '4'
           ELSE '5' END + b0.id END) AS gkey,
     min(CASE WHEN b0:ResidentsCommittee THEN b0.id END) AS rcid,
     min(CASE WHEN b0:RegionalPartyCommittee THEN b0.id END) AS qid
WITH c, substring(gkey, 1) AS gid, rcid, qid
OPTIONAL MATCH (c)<-[:PARTY_ORG_OF|COMMITTEE_OF]-(b1)<-[m1:MEMBER_OF]-(p1:Person)
WITH c,
     collect(CASE WHEN b1.id = gid OR b1.id = rcid THEN p1.id END) AS two,
     collect(CASE WHEN b1.id = gid AND m1.role = 'secretary' THEN p1.id END) AS secretaries,
     collect(CASE WHEN b1.id = qid THEN p1.id END) AS regional
OPTIONAL MATCH (c)<-[:PARTY_ORG_OF|COMMITTEE_OF|CO_HOSTED_BY]-(b9)
WITH c, two, secretaries, regional, [c] + collect(DISTINCT b9) AS community_bodies
UNWIND community_bodies AS b10
OPTIONAL MATCH (b10)<-[:MEMBER_OF|INSTRUCTOR_OF|QUALITY_SUPERVISOR_OF]-(p10:Person)
WITH c, two, secretaries, regional,
     collect(DISTINCT CASE WHEN b10:PartyOrg OR b10:RegionalPartyCommittee THEN 'party'
               WHEN b10:ResidentsCommittee THEN 'residents' ELSE 'community' END
             + ':' + p10.id) AS community_posts
MATCH (c)<-[:IN_COMMUNITY]-(e:Estate)
OPTIONAL MATCH (e)<-[:COMMITTEE_OF|SERVES]-(h11)
OPTIONAL MATCH (h11)<-[:OPERATES|RUNS]-(h12)
WITH c, two, secretaries, regional, community_posts, e,
     collect(DISTINCT h11) + collect(DISTINCT h12) AS hosts
UNWIND CASE WHEN size(hosts) = 0 THEN [null] ELSE hosts END AS h13
OPTIONAL MATCH (h13)<-[:PARTY_ORG_OF|CO_HOSTED_BY]-(g13:PartyOrg)
WITH c, two, secretaries, regional, community_posts, e,
     collect(DISTINCT h13) + collect(DISTINCT g13) AS estate_bodies
UNWIND CASE WHEN size(estate_bodies) = 0 THEN [null] ELSE estate_bodies END AS b14
OPTIONAL MATCH (b14)<-[:MEMBER_OF|INSTRUCTOR_OF|QUALITY_SUPERVISOR_OF]-(p14:Person)
WITH c, two, secretaries, regional, community_posts, e, p14,
     collect(DISTINCT CASE WHEN b14:PartyOrg THEN 'party' WHEN b14:OwnersCommittee
               THEN 'owners' ELSE 'company' END) AS estate_kinds
WITH c, two, secretaries, regional, e, p14,
     size(estate_kinds) >= 2 OR any(k IN ['party', 'residents', 'community']
       WHERE NOT (k IN estate_kinds) AND (k + ':' + p14.id) IN community_posts) AS crossed
WITH c, two, secretaries, regional, e, count(p14) AS people,
     count(CASE WHEN p14 IS NOT NULL AND crossed THEN 1 END) AS cross_appointed
OPTIONAL MATCH (e)<-[r2:SERVES|COMMITTEE_OF|INTERIM_MANAGES|FACILITY_OF]-(x2)
OPTIONAL MATCH (x2)<-[r2b:OPERATES]-(:PropertyCompany)
WITH c, two, secretaries, regional, e, people, cross_appointed,
     min(CASE WHEN type(r2) = 'SERVES'
           THEN CASE WHEN r2b IS NULL THEN '1' ELSE '0' END + x2.id END) AS jkey,
     min(CASE WHEN type(r2) = 'COMMITTEE_OF' THEN x2.id END) AS oid,
     count(CASE WHEN type(r2) = 'INTERIM_MANAGES' THEN 1 END) > 0 AS interim_managed,
     count(CASE WHEN type(r2) = 'FACILITY_OF' THEN 1 END) AS facilities_e,
     count(CASE WHEN type(r2) = 'FACILITY_OF'
             AND x2.kind IN ['party_service_station', 'party_service_centre'] THEN 1 END)
       AS stations_e
WITH c, two, secretaries, regional, e, people, cross_appointed, substring(jkey, 1) AS jid,
     oid, interim_managed, facilities_e, stations_e
OPTIONAL MATCH (j:Project {id: jid})
OPTIONAL MATCH (j)<-[r3:OPERATES|INSTRUCTOR_OF|QUALITY_SUPERVISOR_OF|RUNS|FACILITY_OF]-(x3)
OPTIONAL MATCH (x3)<-[:FACILITY_OF]-(s3:ServiceFacility)
WITH c, two, secretaries, regional, e, people, cross_appointed, oid, interim_managed,
     facilities_e, stations_e, j,
     min(CASE WHEN type(r3) = 'OPERATES' THEN x3.id END) AS fid,
     collect(CASE WHEN type(r3) = 'INSTRUCTOR_OF' THEN x3.id END) AS instructors,
     collect(CASE WHEN type(r3) = 'QUALITY_SUPERVISOR_OF' THEN x3.id END) AS supervisors,
     count(CASE WHEN type(r3) = 'FACILITY_OF' THEN 1 END)
       + count(CASE WHEN type(r3) = 'RUNS' AND s3 IS NOT NULL THEN 1 END) AS facilities_j,
     count(CASE WHEN type(r3) = 'FACILITY_OF'
             AND x3.kind IN ['party_service_station', 'party_service_centre'] THEN 1 END)
       + count(CASE WHEN type(r3) = 'RUNS'
             AND s3.kind IN ['party_service_station', 'party_service_centre'] THEN 1 END)
       AS stations_j
WITH fid,
     collect([e, c, j, oid, interim_managed,
              any(x IN instructors WHERE x IN secretaries),
              any(x IN supervisors WHERE x IN two), two, regional, people, cross_appointed,
              facilities_e + facilities_j, (stations_e + stations_j) > 0]) AS served
OPTIONAL MATCH (f:PropertyCompany {id: fid})
WITH served, f,
     [(f)<-[m4:MEMBER_OF]-(p4:Person) WHERE m4.role = 'head' | p4.id] AS heads,
     size([(f)<-[:PARTY_ORG_OF|CO_HOSTED_BY]-(g5:PartyOrg) | g5.id]) > 0 AS company_party_org,
     size([(f)<-[:INSTRUCTOR_OF]-(p6:Person) | p6.id])
       + size([(f)-[:OPERATES]->(:Project)<-[:INSTRUCTOR_OF]-(p7:Person) | p7.id]) > 0
       AS company_instructor,
     size([(f)<-[:LEADS]-(g15:PartyOrg) | g15.id])
       + size([(f)<-[:OFFICE_OF]-(:Office)<-[:LEADS]-(g16:PartyOrg) | g16.id]) > 0
       AS company_party_led,
     [(f)<-[:FACILITY_OF]-(s17:ServiceFacility) | s17.kind] AS company_facilities
UNWIND served AS row
WITH row[0] AS e, row[1] AS c, row[2] AS j, row[3] AS oid, row[4] AS interim_managed,
     row[5] AS secretary_instructor, row[6] AS quality_supervisor, row[7] AS two,
     row[8] AS regional, row[9] AS people, row[10] AS cross_appointed, f,
     company_party_org, company_instructor, company_party_led,
     any(x IN heads WHERE x IN row[8]) AS head_on_regional_committee,
     row[11] + size(company_facilities) AS service_facilities,
     row[12] OR any(x IN company_facilities
                    WHERE x IN ['party_service_station', 'party_service_centre'])
       AS service_station
OPTIONAL MATCH (o:OwnersCommittee {id: oid})
OPTIONAL MATCH (e)<-[:COMMITTEE_OF]-(o8:OwnersCommittee)
OPTIONAL MATCH (o8)<-[:MEMBER_OF]-(p8:Person)
WITH e, c, j, f, o, interim_managed, secretary_instructor, quality_supervisor, two,
     regional, company_party_org, company_instructor, head_on_regional_committee,
     people, cross_appointed, company_party_led, service_facilities, service_station,
     collect(p8.id) AS owners,
     count(CASE WHEN p8.party_member THEN 1 END) AS owners_party_members
WITH e, c, j, f, o, owners, owners_party_members, company_party_org,
     company_instructor, interim_managed, secretary_instructor, quality_supervisor,
     head_on_regional_committee, people, cross_appointed, company_party_led,
     service_facilities, service_station,
     any(x IN owners WHERE x IN two) AS community_member_on_owners_committee,
     any(x IN owners WHERE x IN regional) AS owners_on_regional_committee
MATCH (c)-[:IN_STREET]->(s:Street)-[:IN_DISTRICT]->(d:District)
RETURN e.id AS estate, e.name AS name, c.id AS community, s.id AS street, d.id AS district,
       e.households AS households, j.id AS project, f.id AS company,
       o.id AS owners_committee, size(owners) AS owners_committee_size,
       owners_party_members AS owners_committee_party_members, service_facilities,
       people, cross_appointed,
       f IS NOT NULL AS has_company, company_party_org, company_instructor,
       secretary_instructor, quality_supervisor, head_on_regional_committee,
       company_party_led, service_station, o IS NOT NULL AS has_owners_committee, community_member_on_owners_committee,
       owners_on_regional_committee, interim_managed,
       f IS NOT NULL AND o IS NOT NULL AND community_member_on_owners_committee
         AND (secretary_instructor OR quality_supervisor OR head_on_regional_committee)
         AS tripartite
ORDER BY estate
