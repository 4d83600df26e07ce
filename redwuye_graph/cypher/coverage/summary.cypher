// name: coverage/summary
// purpose: Coverage counts and shares of every link, rolled up to one level (or all levels).
// param: level: string = district in community|street|district|city|all - the level to roll up to
// param: district: string = null - only this district (id)
// returns: level, area, name, communities, estates, households, companies,
//   companies_party_org, companies_instructor_only, companies_neither,
//   companies_unrecorded, companies_party_led, projects,
//   secretary_instructor, secretary_instructor_share, quality_supervisor,
//   quality_supervisor_share, head_on_regional_committee, owners_on_regional_committee,
//   communities_regional_complete, owners_committees, owners_committee_share,
//   owners_committees_with_party_member, owners_committee_party_member_share,
//   owners_committees_with_community_member, tripartite, tripartite_share,
//   estates_cross_appointed, estates_cross_appointed_share, service_station,
//   service_station_share, vacuum, vacuum_interim_managed, vacuum_unrecorded, vacuum_share
// rule: per-estate links exactly as in coverage/estate, counted over the estates of each
//   area (area = the community, street or district id, or 'city'); level 'all' gives
//   the rows of every level in one pass, community rows first. companies count the
//   distinct serving companies: with a party organisation (companies_party_org), with an
//   instructor and no party organisation (companies_instructor_only), with neither
//   (companies_neither), or with neither and partial (companies_unrecorded: the roster
//   may not record them); companies_party_led: those a PartyOrg LEADS (directly or
//   through an office). estates_cross_appointed: estates with at least one
//   cross_appointed person (coverage/estate); service_station: estates with a party
//   service station. vacuum: estates without a serving company that are not partial;
//   vacuum_unrecorded: partial estates without one (the roster may not record it);
//   vacuum_interim_managed: vacuum estates under interim management.
//   projects = estates with a serving project. A community is regional-complete when
//   every estate with a serving company has a head of that company on the community's
//   regional party committee and every owners' committee has a member on it (vacuously
//   true when it has neither). Shares are rounded half up to 4 decimals:
//   secretary_instructor and quality_supervisor per project; owners_committee,
//   tripartite, estates_cross_appointed, service_station and vacuum per estate; owners_committee_party_member_share = party-member
//   seats / all seats. A share whose denominator is 0 is null.
:param level => 'district';
:param district => null;
MATCH (c:Community)-[:IN_STREET]->(s:Street)-[:IN_DISTRICT]->(d:District)
WHERE ($district IS NULL OR d.id = $district)
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
OPTIONAL MATCH (c)<-[:IN_COMMUNITY]-(e:Estate)
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
UNWIND CASE $level
         WHEN 'all' THEN [[1, c.id, c.name, 'community'], [2, s.id, s.name, 'street'],
                          [3, d.id, d.name, 'district'], [4, 'city', 'city', 'city']]
         WHEN 'community' THEN [[1, c.id, c.name, 'community']]
         WHEN 'street' THEN [[2, s.id, s.name, 'street']]
         WHEN 'district' THEN [[3, d.id, d.name, 'district']]
         ELSE [[4, 'city', 'city', 'city']] END AS k
WITH k[0] AS rank, k[3] AS area_level, k[1] AS area, k[2] AS area_name,
     c, e, j, f, o, owners, owners_party_members, company_party_org, company_instructor,
     secretary_instructor, quality_supervisor, head_on_regional_committee,
     community_member_on_owners_committee, owners_on_regional_committee, interim_managed,
     cross_appointed, company_party_led, service_station,
     e IS NOT NULL AND f IS NULL AND coalesce(e.partial, false) AS vacuum_unrecorded,
     f IS NOT NULL AND o IS NOT NULL AND community_member_on_owners_committee
       AND (secretary_instructor OR quality_supervisor OR head_on_regional_committee)
       AS linked,
     (f IS NOT NULL AND NOT head_on_regional_committee)
       OR (o IS NOT NULL AND NOT owners_on_regional_committee) AS regional_gap
WITH rank, area_level, area, area_name,
     count(DISTINCT c.id) AS n_communities,
     count(DISTINCT CASE WHEN regional_gap THEN c.id END) AS n_regional_gaps,
     count(e) AS n_estates,
     collect(e.households) AS households_list,
     count(DISTINCT f.id) AS n_companies,
     count(DISTINCT CASE WHEN company_party_org THEN f.id END) AS n_party_org,
     count(DISTINCT CASE WHEN NOT company_party_org AND company_instructor THEN f.id END)
       AS n_instructor_only,
     count(DISTINCT CASE WHEN NOT company_party_org AND NOT company_instructor
                          AND coalesce(f.partial, false) THEN f.id END) AS n_unrecorded,
     count(DISTINCT CASE WHEN company_party_led THEN f.id END) AS n_party_led,
     count(j) AS n_projects,
     count(CASE WHEN secretary_instructor THEN 1 END) AS n_secretary,
     count(CASE WHEN quality_supervisor THEN 1 END) AS n_quality,
     count(CASE WHEN head_on_regional_committee THEN 1 END) AS n_head_regional,
     count(CASE WHEN owners_on_regional_committee THEN 1 END) AS n_owners_regional,
     count(o) AS n_oc,
     count(CASE WHEN owners_party_members > 0 THEN 1 END) AS n_oc_party,
     collect(owners_party_members) AS oc_party_seats,
     collect(size(owners)) AS oc_seats,
     count(CASE WHEN community_member_on_owners_committee THEN 1 END) AS n_oc_community,
     count(CASE WHEN linked THEN 1 END) AS n_tripartite,
     count(CASE WHEN cross_appointed > 0 THEN 1 END) AS n_cross,
     count(CASE WHEN service_station THEN 1 END) AS n_station,
     count(CASE WHEN e IS NOT NULL AND f IS NULL AND NOT vacuum_unrecorded THEN 1 END)
       AS n_vacuum,
     count(CASE WHEN e IS NOT NULL AND f IS NULL AND NOT vacuum_unrecorded
                 AND interim_managed THEN 1 END) AS n_vacuum_interim,
     count(CASE WHEN vacuum_unrecorded THEN 1 END) AS n_vacuum_unrecorded
WITH rank, area_level, area, area_name, n_communities, n_regional_gaps, n_estates,
     reduce(t = 0, x IN households_list | t + x) AS n_households, n_companies, n_party_org,
     n_instructor_only, n_unrecorded, n_party_led, n_projects, n_secretary, n_quality,
     n_head_regional, n_owners_regional, n_oc, n_oc_party,
     reduce(t = 0, x IN oc_party_seats | t + x) AS n_oc_party_seats,
     reduce(t = 0, x IN oc_seats | t + x) AS n_oc_seats,
     n_oc_community, n_tripartite, n_cross, n_station, n_vacuum, n_vacuum_interim,
     n_vacuum_unrecorded
ORDER BY rank, area
RETURN area_level AS level, area, area_name AS name, n_communities AS communities,
       n_estates AS estates, n_households AS households, n_companies AS companies,
       n_party_org AS companies_party_org, n_instructor_only AS companies_instructor_only,
       n_companies - n_party_org - n_instructor_only - n_unrecorded AS companies_neither,
       n_unrecorded AS companies_unrecorded, n_party_led AS companies_party_led,
       n_projects AS projects, n_secretary AS secretary_instructor,
       CASE WHEN n_projects = 0 THEN null
         ELSE round(10000.0 * n_secretary / n_projects) / 10000 END
         AS secretary_instructor_share,
       n_quality AS quality_supervisor,
       CASE WHEN n_projects = 0 THEN null
         ELSE round(10000.0 * n_quality / n_projects) / 10000 END AS quality_supervisor_share,
       n_head_regional AS head_on_regional_committee,
       n_owners_regional AS owners_on_regional_committee,
       n_communities - n_regional_gaps AS communities_regional_complete,
       n_oc AS owners_committees,
       CASE WHEN n_estates = 0 THEN null
         ELSE round(10000.0 * n_oc / n_estates) / 10000 END AS owners_committee_share,
       n_oc_party AS owners_committees_with_party_member,
       CASE WHEN n_oc_seats = 0 THEN null
         ELSE round(10000.0 * n_oc_party_seats / n_oc_seats) / 10000 END
         AS owners_committee_party_member_share,
       n_oc_community AS owners_committees_with_community_member,
       n_tripartite AS tripartite,
       CASE WHEN n_estates = 0 THEN null
         ELSE round(10000.0 * n_tripartite / n_estates) / 10000 END AS tripartite_share,
       n_cross AS estates_cross_appointed,
       CASE WHEN n_estates = 0 THEN null
         ELSE round(10000.0 * n_cross / n_estates) / 10000 END
         AS estates_cross_appointed_share,
       n_station AS service_station,
       CASE WHEN n_estates = 0 THEN null
         ELSE round(10000.0 * n_station / n_estates) / 10000 END AS service_station_share,
       n_vacuum AS vacuum, n_vacuum_interim AS vacuum_interim_managed,
       n_vacuum_unrecorded AS vacuum_unrecorded,
       CASE WHEN n_estates = 0 THEN null
         ELSE round(10000.0 * n_vacuum / n_estates) / 10000 END AS vacuum_share
