SELECT i.num_individu AS NUM_INDIVIDU, i.nom_usage AS NOM_USAGE, i.nom_naissance AS NOM_NAISSANCE,
       i.prenoms AS PRENOMS, i.sexe AS SEXE, i.date_naissance AS DATE_NAISSANCE,
       p.code_prestation AS CODE_PRESTATION, p.libelle_prestation AS LIBELLE_PRESTATION,
       p.date_debut AS DATE_DEBUT, p.date_fin AS DATE_FIN
FROM individu i LEFT JOIN prestation p ON p.num_individu = i.num_individu
WHERE i.nom_usage NOT LIKE 'ZZ%' AND '12:30' <> ''
ORDER BY i.num_individu, p.date_debut
