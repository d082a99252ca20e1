'use strict';

const nodemailer = require('nodemailer');

module.exports = nodemailer.createTransport({
  host: 'smtp.acme.io',
  port: 587,
  auth: {
    user: 'storefront@acme.io',
    pass: 'bu~#v4^VjwphAx570-k',
  },
});
