#!/usr/bin/perl

# What a writer sends for people to read (an applicant's name, a contact,
# an apology's reason, the catalog's names) holds no character a reader
# cannot see or that turns what is around it: a control character but
# TAB, LF and CR (white space), U+2028 and U+2029, a bidirectional override
# or isolate (which makes a published name or reason read backwards),
# U+FEFF.  Such a record is 422 with the member named, through the API and
# the CLI alike, and its whole batch is refused: the store is as it was.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-20');
$t->spew('keys', sha256_hex('it-admin') . " * admin\n");
$ENV{ONESTOP_TIME} = '10:00';
$t->write_standard_conf(serve => [qw(ingest lookup)],
    server => "location /api/v1/feedback { onestop_feedback json; }\n"
        . "location /hoi-dap { onestop_feedback html; }\n"
        . "location /api/v1/ingest/feedback { onestop_feedback ingest; }\n",
    main => "env ONESTOP_TIME;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer it-admin');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

sub record (%m) {
    return {
        version => 1, agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'online', applicant => {name => 'Nguyễn Văn An'},
        received_at => '2024-06-03T08:15:00+07:00',
        due_at => '2024-06-10T17:00:00+07:00', %m,
    };
}

sub post (@recs) {
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode(\@recs));
    return ($r, eval { $json->decode($r->{content}) } // {});
}

my @bad = (
    ["\x{0}", 'U+0000'], ["\x{1}", 'U+0001'], ["\x{1f}", 'U+001F'],
    ["\x{7f}", 'DEL'], ["\x{85}", 'U+0085'], ["\x{2028}", 'U+2028'],
    ["\x{2029}", 'U+2029'], ["\x{202a}", 'U+202A'], ["\x{202e}", 'U+202E'],
    ["\x{2066}", 'U+2066'], ["\x{2069}", 'U+2069'], ["\x{feff}", 'U+FEFF'],
);
my $i = 0;
for my $b (@bad) {
    my ($c, $what) = @$b;
    for my $m (['applicant.name', {applicant => {name => "Trần$c Thị Bình"}}],
               ['contact.phone', {contact => {phone => "0912${c}345678"}}],
               ['contact.email', {contact => {email => "an${c}\@example.vn"}}])
    {
        my ($member, $rec) = @$m;
        my $code = sprintf('IT-%03d', ++$i);
        my ($r, $j) = post(record(code => 'IT-GOOD'),
            record(code => $code, %$rec));
        is($r->{status}, 422, "$member with $what: 422")
            or diag($r->{content});
        is($j->{error}{items}[0]{index}, 1, 'the record at fault');
        like($j->{error}{items}[0]{message} // '',
            qr/^\Q$member\E holds a control or invisible character/,
            'the member named');
    }
}

# the reason is text of lines: TAB, LF and CR kept; the rest refused
for my $b (@bad) {
    my ($c, $what) = @$b;
    my ($r, $j) = post(record(code => 'IT-AP', apology => {
        issued_at => '2024-06-11', new_due_at => '2024-06-14',
        reason => "chờ${c}bổ sung"}));
    is($r->{status}, 422, "apology.reason with $what: 422");
    like($j->{error}{items}[0]{message} // '',
        qr/^apology\.reason holds a control or invisible character/,
        'the member named');
}

is($t->get('/api/v1/dossiers/IT-GOOD')->{status}, 404,
    'nothing of the refused batches was written');

($r) = post(record(code => 'IT-LINES', apology => {issued_at => '2024-06-11',
    new_due_at => '2024-06-14', reason => "Chờ bổ sung:\r\n\t- giấy tờ"}));
is($r->{status}, 200, 'a reason of lines, with a TAB') or diag($r->{content});
my $j = eval { $json->decode($t->get('/api/v1/dossiers/IT-LINES')->{content}) };
is($j->{apology}{reason}, "Chờ bổ sung:\r\n\t- giấy tờ", 'kept as sent');

# white space, and what shows as nothing but neither controls nor turns
# text, are not refused (the masking parts words on them: t/lookup.t)
($r) = post(record(code => 'IT-ZW', applicant => {name => "Lê\x{200b}Văn\tAn\r\n"},
    contact => {phone => "0912 345\t678\n"}));
is($r->{status}, 200, 'white space and a zero-width space are not refused')
    or diag($r->{content});
$j = eval { $json->decode($t->get('/api/v1/dossiers/IT-ZW')->{content}) };
is($j->{applicant}{name}, 'Lê V. A.', 'masked');

# the catalog's names, which every page and widget shows

for my $list (qw(agencies fields procedures)) {
    my $c = $json->decode(Onestop::Test::catalog_json());
    $c->{$list}[1]{name} .= "\x{202e}";
    $c->{fields}[0]{name} = 'Tư pháp mới' if $list ne 'fields';
    $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
        body => $json->encode($c));
    is($r->{status}, 422, "a name of $list with U+202E: 422");
    like($r->{content}, qr/"$list\[1\]\.name holds a control or invisible /,
        'the entry named');
}
$j = eval { $json->decode($t->get('/api/v1/dossiers/IT-LINES')->{content}) };
is($j->{field}{name}, 'Tư pháp', 'the catalog as it was');

# a citizen's question (Điều 13), published once answered: the same rule
# for its subject, text, name and contact, by JSON and by the page's form;
# an official's answer likewise
my %q = (kind => 'question', agency => '000.00.12.H36',
    subject => 'Hỏi về lý lịch', text => "Xin hỏi:\r\n\tthủ tục?",
    name => 'Lê Văn Tám', contact => 'tam@example.vn');
for my $f (qw(subject text name contact)) {
    for my $c ("\x{202e}", "\x{7}", "\x{2028}", "\x{feff}") {
        my $v = $f eq 'contact' ? "tam$c\@example.vn" : "$q{$f}$c.";
        $r = $t->http('POST', '/api/v1/feedback',
            headers => {'Content-Type' => 'application/json'},
            body => $json->encode({%q, $f => $v}));
        is($r->{status}, 422, sprintf('a question, %s with U+%04X: 422', $f,
            ord $c));
        like($r->{content}, qr/"$f holds a control or invisible character/,
            'the field named');
    }
    my ($r, $page) = $t->form('/hoi-dap', %q, $f => "$q{$f}\x{202e}",
        website => '');
    is($r->{status}, 422, "by the form, $f with U+202E: 422");
    my %label = (subject => 'tiêu đề', text => 'nội dung',
        name => 'họ và tên', contact => 'liên hệ');
    like($page, qr/Ô $label{$f} có ký tự ẩn hoặc ký tự điều khiển/,
        'the page says which, in Vietnamese');
}
# a NUL written \u0000, which yajl's tree would cut the member at (the
# rest of the subject lost, the NUL never seen); \\u0000 is a backslash
for my $f (qw(subject text name)) {
    (my $body = $json->encode({%q, $f => "$q{$f} XNULX sau"}))
        =~ s/XNULX/\\u0000/;
    $r = $t->http('POST', '/api/v1/feedback',
        headers => {'Content-Type' => 'application/json'}, body => $body);
    is($r->{status}, 422, "a question, $f with \\u0000: 422")
        or diag($r->{content});
}
$r = $t->http('POST', '/api/v1/feedback',
    headers => {'Content-Type' => 'application/json'},
    body => $json->encode(\%q));
is($r->{status}, 201, 'the question with its lines') or diag($r->{content});
$j = eval { $json->decode($t->get('/api/v1/ingest/feedback?status=open',
    headers => \%admin)->{content}) } // {};
is(scalar @{ $j->{items} // [] }, 1, 'none of the refused ones stored');
$r = $t->http('POST', '/api/v1/ingest/feedback/1', headers => {%admin,
    'Content-Type' => 'application/json'},
    body => $json->encode({answer => "Đã trả lời\x{202e}.",
                           publish => JSON::PP::true}));
is($r->{status}, 422, "an official's answer with U+202E: 422");
like($r->{content}, qr/"answer holds a control or invisible character/,
    'the answer named');

$t->stop;
$t->check_log;

# the CLI's import: the same rule, the same message, nothing written
my ($rc, $out, $err) = $t->cli('import', '-', \($json->encode(record(
    code => 'IT-CLI-1')) . "\n" . $json->encode(record(code => 'IT-CLI-2',
    applicant => {name => "An\x{202e}"})) . "\n"));
isnt($rc, 0, 'import: refused');
like($err, qr/applicant\.name holds a control or invisible character/,
    'the member named');
($rc, $out) = $t->cli('get', 'IT-CLI-1');
isnt($rc, 0, 'nothing of it written');

my $c = $json->decode(Onestop::Test::catalog_json());
$c->{agencies}[0]{name} = "Sở\x{1}Tư pháp";
$t->spew('cat.json', $json->encode($c));
($rc, $out, $err) = $t->cli('catalog', $t->dir . '/cat.json');
isnt($rc, 0, 'catalog: refused');
like($err, qr/agencies\[0\]\.name holds a control or invisible character/,
    'the entry named');

done_testing();
