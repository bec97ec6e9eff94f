#!/usr/bin/perl

# Files the configuration names that cannot be read (issue 12: errors
# without a reason).  onestop_ingest_keys naming a directory (a slip for
# /etc/onestop/keys) was read as an empty keys file: nginx started, said
# nothing, and refused every write with 401.  A file that cannot be read
# to its end is refused as a whole, with why.  onestop_calendar naming a
# directory said "could not read calendar" without why.  The notifier's
# configuration file, or a password_file, naming a directory was read as
# empty (no channel; an empty password), and a template alike.

use v5.36;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Test::More;

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('config_files.t did not finish') };
alarm 60;

my $t = Onestop::Test->new;
my $dir = $t->dir . '/etc';
mkdir $dir or die "$dir: $!";

# the keys file a directory
$t->write_standard_conf(serve => [qw(ingest)], keys => 0,
    http => "onestop_ingest_keys $dir;\n");
my ($rc, $out) = $t->test_conf;
isnt($rc, 0, 'nginx -t: onestop_ingest_keys naming a directory is refused');
like($out, qr/\[emerg\].*keys file "\Q$dir\E" is not a small text file/,
    '... saying so') or diag($out);
ok(!$t->start, 'nginx does not start with it');

# the calendar a directory
$t->write_standard_conf(serve => [qw(ingest)], keys => 0,
    http => "onestop_calendar $dir;\n");
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'nginx -t: onestop_calendar naming a directory is refused');
like($out, qr/\[emerg\].*could not read calendar "\Q$dir\E": Is a directory/,
    '... saying why') or diag($out);

# a keys file that is a file still works
$t->spew('keys', sha256_hex('config-files-key') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest)]);
ok($t->start, 'nginx starts with a keys file');
is($t->http('POST', '/api/v1/ingest/catalog',
    headers => { Authorization => 'Bearer config-files-key' },
    body => Onestop::Test::catalog_json())->{status}, 200,
    'and its key writes');
$t->check_log;
$t->stop;

# the notifier's configuration a directory: it read as an empty file
# ("no channel: give [email], ...")
my $err;
($rc, $out, $err) = $t->cli('notify', '--config', $dir);
is($rc, 1, 'notify --config naming a directory fails');
like($err, qr/cannot read "\Q$dir\E": Is a directory/, '... saying why')
    or diag($err);

# its password_file a directory: it read as an empty password, which the
# SMTP server then refused
$t->spew('notify.conf', <<"END");
redis = 127.0.0.1:1
[email]
url = smtp://127.0.0.1:1
from_address = motcua\@longan.gov.vn
password_file = $dir
END
($rc, $out, $err) = $t->cli('notify', '--config', $t->dir . '/notify.conf');
is($rc, 1, 'a password_file naming a directory: the notifier does not start');
like($err, qr/password_file "\Q$dir\E" is not a regular file/,
    '... saying which file and why (a secret\'s file is a regular file, '
    . 'mode 0600)') or diag($err);

# a template a directory: it read as an empty template
my $tpl = $t->dir . '/notify-templates';
mkdir $tpl or die "$tpl: $!";
system('cp', glob("$Onestop::Test::ROOT/conf/notify/*"), $tpl) == 0 or die;
unlink "$tpl/received.email" or die;
mkdir "$tpl/received.email" or die;
$t->spew('notify.conf', <<"END");
redis = 127.0.0.1:1
templates = $tpl
[email]
url = smtp://127.0.0.1:1
from_address = motcua\@longan.gov.vn
END
($rc, $out, $err) = $t->cli('notify', '--config', $t->dir . '/notify.conf');
is($rc, 1, 'a template that is a directory: the notifier does not start');
like($err, qr/cannot read template "\Q$tpl\E\/received.email": Is a directory/,
    '... saying which and why') or diag($err);

done_testing;
