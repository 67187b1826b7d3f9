/**
 * Common given names, written for this project (no external list), lower-case. Names that are also
 * ordinary English words (Will, May, June, Mark, Bill, Rose, Hope, Grace, Pat, Art, Joy, Summer,
 * Faith, Amber, Dawn, Sky, Rich, Frank, Bob...) are left out: the list is used without other cues.
 */
export const FIRST_NAMES: ReadonlySet<string> = new Set(
  `
james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony
donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan
jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander
patrick jack dennis jerry tyler aaron jose adam nathan henry zachary douglas peter kyle noah ethan
jeremy walter christian keith roger terry austin sean gerald carl harold dylan arthur lawrence jordan
jesse bryan billy bruce gabriel joe logan alan juan albert willie elijah wayne randy vincent liam
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty sandra
margaret ashley kimberly emily donna michelle carol amanda melissa deborah stephanie rebecca sharon
laura cynthia kathleen amy angela shirley brenda emma anna pamela nicole samantha katherine christine
helen debra rachel carolyn janet maria catherine heather diane olivia julie joyce victoria ruth
virginia lauren kelly christina joan evelyn judith andrea hannah megan cheryl jacqueline martha
madison teresa gloria sara janice ann kathryn abigail sophia frances jean alice judy isabella julia
beverly denise marilyn danielle charlotte natalie diana brittany theresa kayla alexis lori marie
hans jan lars sven erik anders johan magnus nils olaf henrik karl klaus jurgen wolfgang stefan
andreas thomas markus tobias lukas felix jonas maximilian sebastian florian matthias dieter heinz
ingrid birgit ursula sabine katrin petra monika anja silke heike annika astrid sigrid frida ingrid
pierre jean jacques francois philippe michel alain nicolas laurent olivier julien antoine mathieu
camille chloe manon lea amelie sophie nathalie isabelle sylvie valerie celine aurelie margaux
giuseppe giovanni francesco antonio alessandro marco luca matteo lorenzo andrea davide stefano
giulia francesca chiara alessia sofia federica valentina martina elena silvia paola roberta
carlos miguel jorge luis javier alejandro pablo diego manuel fernando rafael ricardo sergio eduardo
carmen lucia isabel pilar rosa dolores mercedes beatriz marta cristina alba paula ines raquel
joao pedro tiago rui bruno goncalo andre ana beatriz mariana leonor
ivan dmitri sergei alexei nikolai vladimir andrei mikhail yuri boris igor oleg pavel anatoly
olga tatiana natalia svetlana irina ekaterina anastasia yulia ludmila galina ksenia
piotr krzysztof tomasz pawel marcin michal jakub agnieszka katarzyna malgorzata magdalena joanna
jiri petr martin lukas jana eva hana tereza lenka
mohammed muhammad ahmed ali omar hassan hussein ibrahim yusuf khalid mustafa mahmoud karim tariq
fatima aisha zainab maryam layla noor amira leila yasmin salma
raj rahul amit vikram arjun rohan sanjay anil sunil ravi deepak priya ananya pooja neha divya
kavya aishwarya lakshmi sunita anjali
wei jun hao ming lei jie yan li xin hui mei ling hiroshi takeshi kenji yuki haruto sakura yui
akira satoshi minh thanh linh seo jin min ji hyun soo
kwame kofi chinedu emeka oluwaseun tunde amara chiamaka ngozi adaeze thabo sipho themba
liam oliver elijah lucas mason logan aiden jackson grayson carter owen wyatt caleb luke isaac
ava mia harper evelyn ella avery scarlett aria chloe penelope layla riley zoey nora lily eleanor
hazel aurora violet stella zoe leah audrey savannah claire skylar lucy paisley anna caroline
`
    .split(/\s+/)
    .filter((n) => n.length > 1),
);
