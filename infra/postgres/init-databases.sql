-- One database per service: no service reads another's tables.
CREATE DATABASE plans;
CREATE DATABASE approvals;
CREATE DATABASE notifications;
CREATE DATABASE gateway;
