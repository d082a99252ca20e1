<?php
/** WordPress settings for the shop blog. */
define( 'DB_NAME', 'wp_shop' );
define( 'DB_USER', 'wp_shop' );
define( 'DB_PASSWORD', 'Rq4O3x?2dCgbJm7' );
define( 'DB_HOST', 'mysql.acme.internal' );
define( 'AUTH_KEY', 'bYRH3q#JZgbKVd=nOe!bgGceawW?J_1#S1Tp%H.yY1eMXIYOyV~Kg:OZJQf4T?F+' );
define( 'SECURE_AUTH_KEY', '_3tgvfu%mqo?b1Peum1!CGa_7VdV3g4g.tCd=qaTYxCTFlgF5fE_Bj25-y.58Z7b' );
$table_prefix = 'wp_';
require_once ABSPATH . 'wp-settings.php';
