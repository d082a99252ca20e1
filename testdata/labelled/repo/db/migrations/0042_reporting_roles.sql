-- Read-only role for the reporting service.
BEGIN;

CREATE ROLE reporting WITH LOGIN PASSWORD 'uT#c1WdvpGWm?m?C9!5Do';
GRANT CONNECT ON DATABASE orders TO reporting;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporting;

CREATE USER 'metrics'@'%' IDENTIFIED BY 'eX@f_~t-28x1HFr2faIkJH';
COMMIT;
